# Added for the palette-policy corpus (not in the upstream repository).
ingress_ports = [443, 8443]
