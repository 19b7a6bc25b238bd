"""The crisis room: crisis activation and log, video-wall layouts, salvos."""
