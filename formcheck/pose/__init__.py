"""Pose estimation and the pose series container.

Only :mod:`formcheck.pose.estimator` imports mediapipe.
"""
