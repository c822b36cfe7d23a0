"""Batch grading: a whole class's submissions in one resumable, parallel run.

The pieces are small on purpose so each can be tested alone:

* ``discover``  -- which submissions a folder holds, one per student;
* ``engine``    -- grades them on any ``concurrent.futures``-style executor,
                   writing each result atomically so an interrupted batch resumes;
* ``gradebook`` -- ``grades.csv`` in nbgrader's export columns plus checks and bugs;
* ``charts``, ``html`` -- the class report and each student's HTML feedback;
* ``command``   -- the ``lstm-grader batch`` command that ties them together.
"""
