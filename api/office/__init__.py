"""The provincial office (issue 14): dashboard figures, exports, unanswered questions, catalogue drafts, retention and demo traffic."""
