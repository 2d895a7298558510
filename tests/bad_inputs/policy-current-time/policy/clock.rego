package user.clock

import rego.v1

deny contains msg if {
	now := time.now_ns()
	msg := sprintf("checked at %d", [now])
}
