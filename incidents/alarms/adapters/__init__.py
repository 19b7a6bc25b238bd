"""One pure function per input format, each turning a payload into csu Alarms."""
