"""The impact report: figures for Technician Commitment evidence, from a fixed set of queries.

`period` is the window asked for and the one before it; `figures` is what a section
holds; each section module (events, mentoring, recognition, voice, reach) reads its
figures for both windows in a few grouped queries, whatever the size of the network;
`digest` reads the five monthly numbers for every institution at once.
"""
