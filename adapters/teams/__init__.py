"""Microsoft Teams, through the Bot Framework SDK (botbuilder), which stays in this folder."""
