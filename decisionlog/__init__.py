"""decisionlog: an event-sourced log of who decides when about what in design teams."""

__version__ = "0.1.0"
