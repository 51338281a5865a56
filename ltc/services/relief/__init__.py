"""Relief of the personal share (一站式): the civil-affairs registry, the monthly statement and
the relief fund's reimbursement."""
