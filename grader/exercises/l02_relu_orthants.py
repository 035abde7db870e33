"""(exercises to come)"""
