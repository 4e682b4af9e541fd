"""The producer's desk: the home page a signed-in producer lands on.

It only reads (bookings, holds, short-notice requests, reviews), so it sits above ``bookings`` and
``trust`` and nothing imports it. No models, so it is a plain package, not an app.
"""
