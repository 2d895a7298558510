# Added for the palette-policy corpus (not in the upstream repository).
vpc_id              = "vpc-0a1b2c3d4e5f60718"
ingress_ports       = [22]
ingress_cidr_blocks = ["10.1.0.0/16"]
egress_cidr_blocks  = ["10.0.0.0/8"]
