"""What the route servers say about each member's sessions and routes, read over the read-only
SSH key (`birdc -r`: show commands only): `ztix status` and the portal's looking glass."""
