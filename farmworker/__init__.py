"""farmworker: the agent that runs a coordinator's tasks on cluster nodes."""
