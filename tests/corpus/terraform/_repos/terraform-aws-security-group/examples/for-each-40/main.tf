# Root written for the palette-policy Terraform corpus (not from the upstream repository).
# It calls the upstream wrapper module modules/ssh (copied verbatim) 40 times with for_each.

provider "aws" {
  region = "eu-west-1"
}

locals {
  # 40 teams, each with its own /24 admin network: team-00 => 10.100.0.0/24 ... team-39 => 10.100.39.0/24
  teams = { for i in range(40) : format("team-%02d", i) => cidrsubnet("10.100.0.0/16", 8, i) }
}

resource "aws_vpc" "shared" {
  cidr_block = "10.100.0.0/16"
}

module "ssh_sg" {
  source   = "../../modules/ssh"
  for_each = local.teams

  name        = "ssh-${each.key}"
  description = "SSH access for ${each.key}"
  vpc_id      = aws_vpc.shared.id

  ingress_cidr_blocks = [each.value]
}
