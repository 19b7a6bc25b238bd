"""The camera registry: the site file seeds it, administrators' additions, edits and retirements
are kept in the database, and one rule (csu.cameras.merge) says which of the two is in force."""
