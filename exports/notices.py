"""What an export's requester is told about it."""

# What a person is told when writing the file failed; the exception itself goes to the server log.
NOT_WRITTEN = "The export could not be written. Try again; if it keeps failing, tell your administrator."
