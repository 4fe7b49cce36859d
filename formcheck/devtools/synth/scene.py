"""Headless rendering of the posed body in a simple room (pyrender, EGL or OSMesa).

One renderer per process (EGL allows only one). The shadow is the body projected flat onto
the floor along the light, about 3x cheaper than shadow mapping and good enough for pose
estimation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from formcheck.devtools.synth.geometry import unit

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


@dataclass(frozen=True)
class CameraPose:
    """A pinhole camera: position and look-at target (metres), vertical field of view (deg)."""

    position: np.ndarray
    target: np.ndarray
    fov_deg: float


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(4, 4) camera-to-world matrix, OpenGL convention (the camera looks along its -z)."""
    forward = unit(target - position)
    up_hint = np.array([0.0, 0.0, 1.0])
    right = np.cross(forward, up_hint)
    if np.linalg.norm(right) < 1e-6:
        right = np.array([1.0, 0.0, 0.0])
    right = unit(right)
    up = np.cross(right, forward)
    pose = np.eye(4)
    pose[:3, 0] = right
    pose[:3, 1] = up
    pose[:3, 2] = -forward
    pose[:3, 3] = position
    return pose


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) unit vertex normals, area-weighted over the adjacent faces."""
    corners = vertices[faces]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(vertices)
    for k in range(3):
        for axis in range(3):
            normals[:, axis] += np.bincount(
                faces[:, k], weights=face_normals[:, axis], minlength=len(vertices)
            )
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.clip(lengths, 1e-12, None)


def project(points: np.ndarray, camera: CameraPose, width: int, height: int) -> np.ndarray:
    """(N, 2) pixel coordinates of world points (x right, y down)."""
    pose = look_at(camera.position, camera.target)
    world_to_cam = np.linalg.inv(pose)
    cam = (world_to_cam[:3, :3] @ points.T).T + world_to_cam[:3, 3]
    focal = 0.5 * height / np.tan(np.radians(camera.fov_deg) / 2.0)
    depth = np.clip(-cam[:, 2], 1e-6, None)
    u = width / 2.0 + focal * cam[:, 0] / depth
    v = height / 2.0 - focal * cam[:, 1] / depth
    return np.stack([u, v], axis=1)


class Renderer:
    """Renders frames of one clip: body, flat shadow, floor, optional mat, back wall.

    Args:
        width, height: frame size, pixels.
        faces: (F, 3) body triangles.
        vertex_colours: (V, 3) body colours in [0, 1].
        floor, wall: (3,) RGB colours in [0, 1].
        camera: the fixed camera of the clip.
        mat: optional (centre (3,), size (2,) along x and y, colour (3,)) exercise mat.
    """

    def __init__(
        self,
        width: int,
        height: int,
        faces: np.ndarray,
        vertex_colours: np.ndarray,
        floor: np.ndarray,
        wall: np.ndarray,
        camera: CameraPose,
        mat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        import pyrender
        import trimesh

        self._pyrender = pyrender
        self._trimesh = trimesh
        self.width, self.height = width, height
        self.faces = faces
        rgba = np.concatenate([vertex_colours, np.ones((len(vertex_colours), 1))], axis=1)
        self.vertex_colours = rgba.astype(np.float32)
        self.floor = floor
        self.scene = pyrender.Scene(
            ambient_light=np.array([0.38, 0.38, 0.38]), bg_color=np.append(wall, 1.0)
        )
        self.camera = camera
        cam_pose = look_at(camera.position, camera.target)
        self.scene.add(
            pyrender.PerspectiveCamera(yfov=np.radians(camera.fov_deg), aspectRatio=width / height),
            pose=cam_pose,
        )
        # Key light from above, behind and to one side of the camera; a weaker fill.
        view_dir = unit(camera.target - camera.position)
        side = unit(np.cross(view_dir, np.array([0.0, 0.0, 1.0])))
        self.light_dir = unit(view_dir * 0.6 + side * 0.35 + np.array([0.0, 0.0, -1.0]))
        self.scene.add(
            pyrender.DirectionalLight(intensity=2.6), pose=look_at(np.zeros(3), self.light_dir)
        )
        fill_dir = unit(view_dir * 0.5 - side * 0.6 + np.array([0.0, 0.0, -0.4]))
        self.scene.add(
            pyrender.DirectionalLight(intensity=0.9), pose=look_at(np.zeros(3), fill_dir)
        )

        floor_mesh = trimesh.Trimesh(
            vertices=np.array(
                [[-30, -30, 0], [30, -30, 0], [30, 30, 0], [-30, 30, 0]], dtype=float
            ),
            faces=np.array([[0, 1, 2], [0, 2, 3]]),
            process=False,
        )
        self.scene.add(self._flat_mesh(floor_mesh, floor))
        # The wall faces the camera, 2.5 m behind the target.
        behind = camera.target + unit(np.append(view_dir[:2], 0.0)) * 2.5
        across = unit(np.array([-view_dir[1], view_dir[0], 0.0])) * 30.0
        wall_vertices = np.array(
            [
                behind - across,
                behind + across,
                behind + across + [0, 0, 12],
                behind - across + [0, 0, 12],
            ]
        )
        wall_vertices[:, 2] = np.clip(wall_vertices[:, 2], 0.0, None)
        wall_mesh = trimesh.Trimesh(
            vertices=wall_vertices,
            faces=np.array([[0, 1, 2], [0, 2, 3], [0, 2, 1], [0, 3, 2]]),
            process=False,
        )
        self.scene.add(self._flat_mesh(wall_mesh, wall))
        if mat is not None:
            centre, size, colour = mat
            hx, hy = size / 2.0
            offset = np.array([centre[0], centre[1], 0.004])
            corners = (
                np.array([[-hx, -hy, 0], [hx, -hy, 0], [hx, hy, 0], [-hx, hy, 0]], dtype=float)
                + offset
            )
            mat_mesh = trimesh.Trimesh(
                vertices=corners, faces=np.array([[0, 1, 2], [0, 2, 3]]), process=False
            )
            self.scene.add(self._flat_mesh(mat_mesh, colour))
        self._body_node = None
        self._shadow_node = None
        self._renderer = pyrender.OffscreenRenderer(width, height)

    def _flat_mesh(self, mesh, colour: np.ndarray):
        material = self._pyrender.MetallicRoughnessMaterial(
            baseColorFactor=np.append(colour, 1.0), metallicFactor=0.0, roughnessFactor=0.9
        )
        return self._pyrender.Mesh.from_trimesh(mesh, material=material, smooth=False)

    def render(self, vertices: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 RGB frame of the body with the given (V, 3) vertices."""
        pyrender, trimesh = self._pyrender, self._trimesh
        if self._body_node is not None:
            self.scene.remove_node(self._body_node)
            self.scene.remove_node(self._shadow_node)
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.0, roughnessFactor=0.8
        )
        primitive = pyrender.Primitive(
            positions=vertices.astype(np.float32),
            normals=vertex_normals(vertices, self.faces).astype(np.float32),
            color_0=self.vertex_colours,
            indices=self.faces,
            material=material,
        )
        body_mesh = pyrender.Mesh(primitives=[primitive])
        self._body_node = self.scene.add(body_mesh)
        # Flat shadow: project along the light onto z = 2 mm (above the floor, below a mat).
        light = self.light_dir
        lift = 0.002 if self.floor is not None else 0.0
        t = (vertices[:, 2] - lift) / -light[2]
        shadow_vertices = vertices + t[:, None] * light
        shadow_vertices[:, 2] = lift + 0.004
        shadow = trimesh.Trimesh(vertices=shadow_vertices, faces=self.faces, process=False)
        self._shadow_node = self.scene.add(self._flat_mesh(shadow, self.floor * 0.55))
        colour, _ = self._renderer.render(self.scene)
        return np.ascontiguousarray(colour[:, :, :3])

    def close(self) -> None:
        self._renderer.delete()
