"""Pure building blocks for the chat channels: parsing what arrives, formatting what is sent."""
