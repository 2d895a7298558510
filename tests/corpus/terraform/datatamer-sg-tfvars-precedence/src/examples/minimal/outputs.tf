output "security-groups" {
  value = module.security-groups
}
