"""Several body-camera transcripts of one incident merged into one timeline.

``align`` estimates each camera's clock offset, ``combine`` merges the same
utterance heard on several cameras and joins the speakers, ``simulate`` splits
an annotated encounter into camera views for testing and measurement.
"""

from deescalate.merge.align import CameraOffset, estimate_offsets
from deescalate.merge.combine import Camera, merge_cameras

__all__ = ["Camera", "CameraOffset", "estimate_offsets", "merge_cameras"]
