# Module written for the palette-policy Terraform corpus (not from the upstream repository):
# one SSH security group per team of an environment, each team with its own /24 admin network.

variable "env" {
  type = string
}

variable "index" {
  type = number
}

variable "vpc_id" {
  type = string
}

module "ssh_sg" {
  source   = "../../../modules/ssh"
  for_each = toset(["blue", "green"])

  name                = "ssh-${var.env}-${each.key}"
  description         = "SSH access for ${each.key} in ${var.env}"
  vpc_id              = var.vpc_id
  ingress_cidr_blocks = [cidrsubnet("10.100.0.0/16", 8, var.index * 2 + (each.key == "blue" ? 0 : 1))]
}
