# Added for the palette-policy corpus (not in the upstream repository).
# Loaded after 10-ports.auto.tfvars (lexical order), so this value wins.
ingress_ports = [443, 8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010, 8011, 8012, 8013, 8014, 8015, 8016, 8017, 8018, 8019, 8020, 8021, 8022, 8023, 8024]
