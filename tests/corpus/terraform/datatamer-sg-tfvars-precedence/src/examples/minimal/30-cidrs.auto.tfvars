# Added for the palette-policy corpus (not in the upstream repository).
ingress_cidr_blocks = ["10.2.0.0/16", "192.168.10.0/24"]
