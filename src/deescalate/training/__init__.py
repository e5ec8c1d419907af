"""Practice: a scenario simulator whose simulated person reacts to what the trainee says."""
