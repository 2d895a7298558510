variable "vpc_id" {
  type    = string
  default = "vpc-0a1b2c3d"
}

variable "operator_cidr" {
  type    = string
  default = "198.51.100.0/24"
}
