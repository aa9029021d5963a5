"""`farm`: the user's command line for a coordinator (submit, watch and manage runs); client side only."""
