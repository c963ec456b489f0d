"""Pages: staff entry, responses, safety alerts and instruments (`staff`); due lists and
scheduling (`due`); a patient completing their own questionnaires (`self_completion`)."""
