"""The ``deescalate`` command. It is the only place that prints or exits."""
