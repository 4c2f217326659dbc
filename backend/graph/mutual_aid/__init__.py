"""Family mutual aid (家庭共济): grants, their caps and use, payer order, premiums paid for a relative."""
