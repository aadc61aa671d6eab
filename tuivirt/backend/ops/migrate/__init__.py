"""Live and offline migration between hosts: the checks made up front, the job with its progress,
and the plan that evacuates a host."""
