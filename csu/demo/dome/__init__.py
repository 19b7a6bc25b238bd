"""A simulated ONVIF dome camera: the demo's PTZ camera, and the device the tests talk to."""
