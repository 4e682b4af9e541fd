from django.dispatch import Signal

# Sent after rates were written (a file loaded, staff edited or deleted a rate), so that what
# shows converted amounts (the musicians' search page cache) can drop stale copies.
rates_changed = Signal()
