"""csu kernel: settings, site file, database, bus, scheduler, identity, CLI, composition."""

__version__ = "0.1.0"
