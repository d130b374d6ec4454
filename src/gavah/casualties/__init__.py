"""Counting the dead honestly: victim registers and multiple systems estimation (MSE)."""
