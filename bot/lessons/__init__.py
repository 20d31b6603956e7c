"""Financial-literacy lessons: their files, their checks, the database copy, progress in chat.

A lesson is a few chat-sized messages and a short quiz, written once per language. The files
under ``locales/lessons/<slug>/<language>.yml`` are the source (``bot.lessons.files``); ``wazi
lessons import`` loads them into the database, where trainers edit and publish them in the
dashboard and the bot reads them (``bot.lessons.store``); ``wazi lessons export`` writes the
database back to files.
"""
