# Root written for the palette-policy Terraform corpus (not from the upstream repository).
# Two levels of for_each: module "env" (3 environments) calls ./tier, which calls the upstream wrapper
# module modules/ssh (copied verbatim) twice per environment with for_each: 6 instances in all.

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "shared" {
  cidr_block = "10.100.0.0/16"
}

module "env" {
  source   = "./tier"
  for_each = { dev = 0, stage = 1, prod = 2 }

  env    = each.key
  index  = each.value
  vpc_id = aws_vpc.shared.id
}
