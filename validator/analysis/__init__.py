"""The analysis stage: semantics on the model, never a file read.

The graph places the enforcement points on the way between endpoints, routes pick the hops (through a
proxy when the client's settings say so), one evaluator per layer kind (security groups, ACLs, firewalls,
NetworkPolicies, proxies) lets part of a flow through, and ``reach`` turns that into verdicts with evidence.
"""
