"""Sensors of the code location: the drop folder."""

from invoice_pipeline.sensors.drop_folder import drop_folder_sensor

__all__ = ["drop_folder_sensor"]
