"""The checks: each turns inputs and a Config into one CheckResult, and never prints."""
