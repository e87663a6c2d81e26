"""Many runs: experiment files, designs, sweeps on any executor, comparisons, sensitivity."""
