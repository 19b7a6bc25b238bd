"""The requisitions register: judicial requests for footage, what was done, the hand-over."""
