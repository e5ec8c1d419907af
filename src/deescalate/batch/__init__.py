"""Agency scale: a backlog of transcripts and recordings processed without babysitting (``deescalate batch``).

``sources`` finds the work and keys it by content, ``work`` runs one item's steps in a worker, ``engines`` runs
workers on this machine or a Ray cluster, ``ledger`` keeps the batch's record in the store, ``runner`` ties them.
"""
