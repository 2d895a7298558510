# Root written for the palette-policy Terraform corpus (not from the upstream repository).
# It calls the upstream module (repository root, copied verbatim) to build two managed prefix lists and
# references them from security group rules written with the newer aws_vpc_security_group_*_rule resources.

provider "aws" {
  region = "eu-west-1"
}

variable "enable_rdp" {
  description = "Open RDP from the office prefix list"
  type        = bool
  default     = false
}

variable "enable_legacy_ssh" {
  description = "Keep the legacy SSH rule from the old jump host"
  type        = bool
  default     = true
}

module "office_prefix_list" {
  source = "../.."

  ec2_managed_prefix_list = {
    name        = "office-networks"
    max_entries = 4

    entries = [
      {
        name        = "hq"
        cidr        = "198.51.100.0/24"
        description = "Headquarters"
      },
      {
        name = "branch"
        cidr = "203.0.113.0/25"
      },
    ]
  }
}

module "office_prefix_list_v6" {
  source = "../.."

  ec2_managed_prefix_list = {
    name           = "office-networks-v6"
    address_family = "IPv6"

    entries = [
      {
        name = "hq-v6"
        cidr = "2001:db8:1000::/48"
      },
    ]
  }
}

data "aws_prefix_list" "s3" {
  name = "com.amazonaws.eu-west-1.s3"
}

resource "aws_security_group" "bastion" {
  name        = "bastion"
  description = "Bastion reachable from the offices only"
  vpc_id      = "vpc-0123456789abcdef0"
}

resource "aws_vpc_security_group_ingress_rule" "ssh_from_offices" {
  security_group_id = aws_security_group.bastion.id
  description       = "SSH from office networks"
  prefix_list_id    = module.office_prefix_list.ec2_managed_prefix_list.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}

resource "aws_vpc_security_group_ingress_rule" "ssh_from_offices_v6" {
  security_group_id = aws_security_group.bastion.id
  description       = "SSH from office networks (IPv6)"
  prefix_list_id    = module.office_prefix_list_v6.ec2_managed_prefix_list.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}

resource "aws_vpc_security_group_ingress_rule" "icmpv6_from_hq" {
  security_group_id = aws_security_group.bastion.id
  description       = "All ICMPv6 from HQ"
  cidr_ipv6         = "2001:db8:1000::/48"
  ip_protocol       = "icmpv6"
  from_port         = -1
  to_port           = -1
}

resource "aws_vpc_security_group_ingress_rule" "rdp_from_offices" {
  count = var.enable_rdp ? 1 : 0

  security_group_id = aws_security_group.bastion.id
  description       = "RDP from office networks"
  prefix_list_id    = module.office_prefix_list.ec2_managed_prefix_list.id
  ip_protocol       = "tcp"
  from_port         = 3389
  to_port           = 3389
}

resource "aws_vpc_security_group_ingress_rule" "legacy_ssh" {
  count = var.enable_legacy_ssh ? 1 : 0

  security_group_id = aws_security_group.bastion.id
  description       = "SSH from the old jump host"
  cidr_ipv4         = "192.0.2.10/32"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}

resource "aws_vpc_security_group_egress_rule" "https_to_s3" {
  security_group_id = aws_security_group.bastion.id
  description       = "HTTPS to S3"
  prefix_list_id    = data.aws_prefix_list.s3.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "dns" {
  security_group_id = aws_security_group.bastion.id
  description       = "DNS to the VPC resolver"
  cidr_ipv4         = "10.0.0.2/32"
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
}
