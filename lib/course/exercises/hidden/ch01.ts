// Chapter 1: nothing kept from students (its tests are public and run on fresh inputs when graded).
export {};
