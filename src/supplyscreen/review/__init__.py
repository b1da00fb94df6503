"""The auditor's side of a screening: deciding hits and suppliers, the audit trail, what changed between runs.

A supplier and a hit are recognised across runs by the keys of ``review.keys``; everything a reviewer
decides is kept against those keys, so the next run of the same vendor list finds it again.
"""
