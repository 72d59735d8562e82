// The teacher's part of every chapter's exercises: expected values and the tests kept from students.
// Never shipped to students (scripts/classroom/course.mjs leaves this folder out); the grader imports it.
// One line a chapter (see ../registry.ts).
import "../index";
import "./ch01";
import "./ch02";
import "./ch03";
import "./ch04";
import "./ch05";
import "./ch06";
import "./ch07";
import "./ch08";
import "./ch09";
import "./ch10";
import "./ch11";
