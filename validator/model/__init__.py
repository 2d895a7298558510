"""The model stage: plain dataclasses and set algebra shared by every stage (no I/O, no imports from above).

Address and port sets, rules and enforcement points, Kubernetes objects, proxy configurations, topology
endpoints, requirements, results, findings, waivers and the report. Loaders produce these objects, the
analysis reads them, the policy stage and the reporters receive them.
"""
