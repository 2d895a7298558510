package user.ids

import rego.v1

warn contains msg if {
	msg := uuid.rfc4122("finding")
}
