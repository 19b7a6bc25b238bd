"""Everything that protects people: masking, anonymisers, access policy, access log, retention."""
