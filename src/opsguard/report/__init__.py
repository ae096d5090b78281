"""Renderers: every view of a run's results, from the same data, and one table of them
(`report.views`).

A renderer never decides a verdict (that is in the results) and never writes
anywhere (that is `opsguard.deliver`): each view is a function from the
results, the run's context and the rendering options to text.
"""
