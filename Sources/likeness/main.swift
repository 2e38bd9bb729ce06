print("likeness")
