"""gavah: an evidence vault with a verifiable chain of custody."""

__version__ = "0.1.0"
