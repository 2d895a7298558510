################################################################################
################################################################################

# VPC
output "vpc_one_vpc_id" {
  description = "The ID of the VPC"
  value       = module.vpc_one.vpc_id
}

# Subnets
output "vpc_one_private_subnets" {
  description = "List of IDs of private subnets"
  value       = module.vpc_one.private_subnets
}

output "vpc_one_public_subnets" {
  description = "List of IDs of public subnets"
  value       = module.vpc_one.public_subnets
}

output "vpc_one_database_subnets" {
  description = "List of IDs of database subnets"
  value       = module.vpc_one.database_subnets
}

output "vpc_one_elasticache_subnets" {
  description = "List of IDs of elasticache subnets"
  value       = module.vpc_one.elasticache_subnets
}

# NAT gateways
output "vpc_one_nat_public_ips" {
  description = "List of public Elastic IPs created for AWS NAT Gateway"
  value       = module.vpc_one.nat_public_ips
}

################################################################################
################################################################################

# VPC
output "vpc_two_vpc_id" {
  description = "The ID of the VPC"
  value       = module.vpc_two.vpc_id
}

# Subnets
output "vpc_two_private_subnets" {
  description = "List of IDs of private subnets"
  value       = module.vpc_two.private_subnets
}

output "vpc_two_public_subnets" {
  description = "List of IDs of public subnets"
  value       = module.vpc_two.public_subnets
}

output "vpc_two_database_subnets" {
  description = "List of IDs of database subnets"
  value       = module.vpc_two.database_subnets
}

output "vpc_two_elasticache_subnets" {
  description = "List of IDs of elasticache subnets"
  value       = module.vpc_two.elasticache_subnets
}

# NAT gateways
output "vpc_two_nat_public_ips" {
  description = "List of public Elastic IPs created for AWS NAT Gateway"
  value       = module.vpc_two.nat_public_ips
}

################################################################################
################################################################################

# VPC
output "vpc_three_vpc_id" {
  description = "The ID of the VPC"
  value       = module.vpc_three.vpc_id
}

# Subnets
output "vpc_three_private_subnets" {
  description = "List of IDs of private subnets"
  value       = module.vpc_three.private_subnets
}

output "vpc_three_public_subnets" {
  description = "List of IDs of public subnets"
  value       = module.vpc_three.public_subnets
}

output "vpc_three_database_subnets" {
  description = "List of IDs of database subnets"
  value       = module.vpc_three.database_subnets
}

output "vpc_three_elasticache_subnets" {
  description = "List of IDs of elasticache subnets"
  value       = module.vpc_three.elasticache_subnets
}

# NAT gateways
output "vpc_three_nat_public_ips" {
  description = "List of public Elastic IPs created for AWS NAT Gateway"
  value       = module.vpc_three.nat_public_ips
}
